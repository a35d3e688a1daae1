/**
 * MW_API marks the functions libminewatch exports. The library is built
 * with hidden visibility (-fvisibility=hidden): only what the public
 * headers declare with MW_API is in its dynamic symbol table, so its
 * internals (also named mw_*) stay free to change between releases.
 */
#ifndef MINEWATCH_EXPORT_H
#define MINEWATCH_EXPORT_H

#if defined(_WIN32) || defined(__CYGWIN__)
#  ifdef MW_BUILDING_LIBRARY
#    define MW_API __declspec(dllexport)
#  else
#    define MW_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define MW_API __attribute__((visibility("default")))
#else
#  define MW_API
#endif

#endif /* MINEWATCH_EXPORT_H */
