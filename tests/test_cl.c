/* OpenCL runtime: device open, embedded kernels, the program cache and a kernel that really runs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/cl.h"

Test(cl, embedded_kernels_are_in_the_binary)
{
    const char *src = pf_cl_embedded_source("selftest.cl");
    cr_assert_not_null(src);
    cr_assert_not_null(strstr(src, "pf_selftest_axpy"));
    cr_assert_null(pf_cl_embedded_source("no-such.cl"));
}

Test(cl, program_cache_and_kernel_run_on_the_device)
{
    pf_cl *cl = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_cl_open(NULL, &cl, &eb), PF_E_OK, "%s", eb.msg);
    cl_program p1, p2, p3;
    cr_assert_eq(pf_cl_program_get(cl, "selftest.cl", "-DSELFTEST_SCALE=2.0f", &p1, &eb), PF_E_OK, "%s", eb.msg);
    cr_assert_eq(pf_cl_program_get(cl, "selftest.cl", "-DSELFTEST_SCALE=2.0f", &p2, &eb), PF_E_OK);
    cr_assert_eq(pf_cl_program_get(cl, "selftest.cl", "-DSELFTEST_SCALE=0.0f", &p3, &eb), PF_E_OK);
    cr_assert_eq(p1, p2, "same file and options come from the cache");
    cr_assert_neq(p1, p3, "other options build another program");

    enum { N = 1000 };
    float x[N], y[N];
    for (int i = 0; i < N; i++) x[i] = (float)i, y[i] = 1.0f;
    cl_int st;
    cl_kernel k = clCreateKernel(p1, "pf_selftest_axpy", &st);
    cr_assert_eq(st, CL_SUCCESS);
    cl_mem bx = clCreateBuffer(pf_cl_context(cl), CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof x, x, &st);
    cl_mem by = clCreateBuffer(pf_cl_context(cl), CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof y, y, &st);
    float a = 3.0f;
    cl_uint n = N;
    clSetKernelArg(k, 0, sizeof bx, &bx);
    clSetKernelArg(k, 1, sizeof by, &by);
    clSetKernelArg(k, 2, sizeof a, &a);
    clSetKernelArg(k, 3, sizeof n, &n);
    size_t global = 1024;
    pf_cl_lock(cl);
    cr_assert_eq(clEnqueueNDRangeKernel(pf_cl_queue(cl), k, 1, NULL, &global, NULL, 0, NULL, NULL), CL_SUCCESS);
    cr_assert_eq(clEnqueueReadBuffer(pf_cl_queue(cl), by, CL_TRUE, 0, sizeof y, y, 0, NULL, NULL), CL_SUCCESS);
    pf_cl_unlock(cl);
    for (int i = 0; i < N; i++) cr_assert_float_eq(y[i], 3.0f * i + 2.0f, 1e-4f, "element %d", i);
    clReleaseMemObject(bx);
    clReleaseMemObject(by);
    clReleaseKernel(k);
    pf_cl_close(cl);
}

Test(cl, build_errors_carry_the_log)
{
    pf_cl *cl = NULL;
    pf_errbuf eb = {{0}};
    cr_assert_eq(pf_cl_open(NULL, &cl, &eb), PF_E_OK, "%s", eb.msg);
    cl_program p;
    /* Without SELFTEST_SCALE defined the kernel does not compile. */
    cr_assert_eq(pf_cl_program_get(cl, "selftest.cl", "", &p, &eb), PF_E_DEVICE);
    cr_assert_not_null(strstr(eb.msg, "selftest.cl"));
    cr_assert_eq(pf_cl_program_get(cl, "missing.cl", "", &p, &eb), PF_E_NOT_FOUND);
    pf_cl_close(cl);
}

/* Writes dir/name holding text (an ICD file: the driver library's name). */
static void put_icd(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

Test(cl, gpu_drivers_are_told_apart_from_the_icd_files_alone)
{
    char dir[] = "/tmp/pf_icd_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(pf_cl_may_have_gpu(dir), 0, "no driver: no GPU");
    put_icd(dir, "pocl.icd", "libpocl.so.2.10.0\n");
    put_icd(dir, "notes.txt", "libnvidia-opencl.so.1\n"); /* not an .icd file: the loader skips it too */
    cr_assert_eq(pf_cl_may_have_gpu(dir), 0, "PoCL alone is a CPU device");
    put_icd(dir, "nvidia.icd", "libnvidia-opencl.so.1\n");
    cr_assert_eq(pf_cl_may_have_gpu(dir), 1, "another driver may be a GPU: ask it");
    char path[600];
    const char *names[] = {"pocl.icd", "notes.txt", "nvidia.icd"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    cr_assert_eq(pf_cl_may_have_gpu("/nonexistent/pf/vendors"), 0, "no registry: no driver");
}
