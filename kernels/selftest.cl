/* Device self-test: a scaled sum the host checks before trusting a device with estimates. */
__kernel void pf_selftest_axpy(__global const float *x, __global float *y, const float a, const uint n)
{
    uint i = get_global_id(0);
    if (i < n) y[i] = a * x[i] + y[i] * SELFTEST_SCALE;
}
