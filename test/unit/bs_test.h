/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_TEST_H
#define BS_TEST_H

/*
 * A minimal unit-test harness: each CHECK counts one assertion; a test
 * program ends with bs_test_done(), which prints "N passed, M failed" and
 * returns the exit status.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned int bs_test_pass, bs_test_fail;

#define CHECK(cond, ...) do { \
	if (cond) { \
		bs_test_pass++; \
	} else { \
		bs_test_fail++; \
		printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

#define CHECK_EQ(a, b, ...) do { \
	unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
	if (_a == _b) { \
		bs_test_pass++; \
	} else { \
		bs_test_fail++; \
		printf("FAIL %s:%d: %s == %s: got %llu (0x%llx), want %llu (0x%llx): ", \
			__FILE__, __LINE__, #a, #b, _a, _a, _b, _b); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

/* Compare two byte strings; print the first difference. */
static inline void
bs_check_bytes(const char *file, int line, const uint8_t *got, size_t got_len,
		const uint8_t *want, size_t want_len, const char *what)
{
	size_t i;

	if (got_len == want_len && memcmp(got, want, got_len) == 0) {
		bs_test_pass++;
		return;
	}
	bs_test_fail++;
	for (i = 0; i < got_len && i < want_len && got[i] == want[i]; i++)
		;
	printf("FAIL %s:%d: %s: lengths %zu/%zu, first difference at byte %zu "
		"(got 0x%02x, want 0x%02x)\n", file, line, what, got_len, want_len, i,
		i < got_len ? got[i] : 0, i < want_len ? want[i] : 0);
}

#define CHECK_BYTES(got, glen, want, wlen, what) \
	bs_check_bytes(__FILE__, __LINE__, got, glen, want, wlen, what)

static inline int
bs_test_done(void)
{
	printf("%u passed, %u failed\n", bs_test_pass, bs_test_fail);
	return bs_test_fail == 0 ? 0 : 1;
}

#endif /* BS_TEST_H */
