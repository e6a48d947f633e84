#include <criterion/criterion.h>
Test(dist, placeholder) { cr_assert(1); }
