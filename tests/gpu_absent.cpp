// The library tests/gpu_fake_icd.cpp needs and cannot find (see there).
extern "C" void nntrain_absent_function() {}
