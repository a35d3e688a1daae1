/*
 * MW_SIMD_CLONES: compile a vectorised kernel twice, for AVX2 and for the
 * baseline (SSE2 on x86-64), and pick one at load time (GCC target_clones,
 * an ifunc). The build targets any x86-64, where the vectoriser may use
 * 4 floats per instruction; the machines minewatch runs on have AVX2 (8).
 *
 * Why results do not change: the clones differ only in vector width.
 * IEEE add, subtract, multiply, divide and compares are exactly rounded
 * per element whatever the width, and FMA is not enabled ("avx2" does
 * not imply "fma", and ISO C mode keeps -ffp-contract=off), so both
 * clones give the same bits. tests/indices/test_simd_clones.c holds every
 * cloned kernel against a build without clones (it fails on an FMA
 * clone), and a full tile's alerts came out byte-identical.
 *
 * Only for loops the vectoriser handles (see each kernel's comment); on
 * other compilers or targets the macro is empty, and meson.build defines
 * MW_NO_SIMD_CLONES where the toolchain has no ifunc (e.g. musl).
 */
#ifndef MW_SIMD_H
#define MW_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(MW_NO_SIMD_CLONES)
#define MW_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MW_SIMD_CLONES
#endif

#endif
