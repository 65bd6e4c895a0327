// Intentionally empty: CBerth exports kernel headers and the syscall prototypes Glibc hides.
