/* Test-only stand-in for Windows' bcryptprimitives.dll, for running Vigil's
 * exes under Wine 8, which lacks it. Rust's std (1.78+) takes its random
 * bytes from bcryptprimitives!ProcessPrng; this forwards to BCryptGenRandom.
 * Used only by .ci/windows/smoke, next to a copy of vigil.exe; NEVER shipped.
 * Build: x86_64-w64-mingw32-gcc -O2 -shared -s -o bcryptprimitives.dll \
 *          bcryptprimitives.c -lbcrypt */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk,
                                            BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
