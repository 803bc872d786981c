// The activations of core/activation.h in GLSL, PyTorch's formulas and kink choices. Codes
// are core's enum Act in order (the host static_asserts it).
const uint ACT_IDENTITY = 0, ACT_SIGMOID = 1, ACT_TANH = 2, ACT_RELU = 3, ACT_LEAKY_RELU = 4, ACT_GELU = 5,
           ACT_SOFTMAX = 6;

float sigmoid_stable(float z) {  // never exp of a large positive number
  if (z >= 0.0) return 1.0 / (1.0 + exp(-z));
  const float e = exp(z);
  return e / (1.0 + e);
}

// tanh through exp overflows to NaN on some drivers for |z| > ~44; tanh(±15) is ±1 in float.
float tanh_safe(float z) { return tanh(clamp(z, -15.0, 15.0)); }

// erf for float (GLSL has none): Eigen's rational approximation (generic_fast_erf_float),
// a few ulp from the true value on [-4, 4], exactly ±1 beyond.
float erf_approx(float x) {
  const float xc = clamp(x, -4.0, 4.0);
  const float x2 = xc * xc;
  float num = -2.72614225801306e-10;
  num = num * x2 + 2.77068142495902e-08;
  num = num * x2 + -2.10102402082508e-06;
  num = num * x2 + -5.69250639462346e-05;
  num = num * x2 + -7.34990630326855e-04;
  num = num * x2 + -2.95459980854025e-03;
  num = num * x2 + -1.60960333262415e-02;
  num *= xc;
  float den = -1.45660718464996e-05;
  den = den * x2 + -2.13374055278905e-04;
  den = den * x2 + -1.68282697438203e-03;
  den = den * x2 + -7.37332916720468e-03;
  den = den * x2 + -1.42647390514189e-02;
  return num / den;
}

const float INV_SQRT2 = 0.70710678118654752440;
const float INV_SQRT_2PI = 0.39894228040143267794;

float act_forward(uint act, float v, float slope) {
  switch (act) {
    case ACT_SIGMOID: return sigmoid_stable(v);
    case ACT_TANH: return tanh_safe(v);
    case ACT_RELU: return v > 0.0 ? v : 0.0;
    case ACT_LEAKY_RELU: return v > 0.0 ? v : v * slope;
    case ACT_GELU: return v * 0.5 * (1.0 + erf_approx(v * INV_SQRT2));
    default: return v;  // identity
  }
}

// dz = g * act'(z) given z and a = act(z) (softmax is per row, elsewhere).
float act_backward(uint act, float g, float z, float a, float slope) {
  switch (act) {
    case ACT_SIGMOID: return g * a * (1.0 - a);
    case ACT_TANH: return g * (1.0 - a * a);
    case ACT_RELU: return a > 0.0 ? g : 0.0;
    case ACT_LEAKY_RELU: return z > 0.0 ? g : g * slope;
    case ACT_GELU: {
      const float cdf = 0.5 * (1.0 + erf_approx(z * INV_SQRT2));
      const float pdf = INV_SQRT_2PI * exp(-0.5 * z * z);
      return g * (cdf + z * pdf);
    }
    default: return g;  // identity
  }
}
