// Shared by the optimizer shaders: skip the whole step when ctl[0] says a batch of this
// submission diverged (the params stay as before that batch, as on the CPU), and the clipping
// factor (clip_scale.comp) applied to each gradient.
bool step_skipped(Uints ctl) { return ctl.v[0] != 0; }
float clipped(float g, uint has_clip, Floats clip) { return has_clip != 0 ? g * clip.v[0] : g; }
