#include <criterion/criterion.h>
Test(rng, placeholder) { cr_assert(1); }
