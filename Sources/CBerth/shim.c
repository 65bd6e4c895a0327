// Intentionally empty: CBerth exports kernel headers and the namespace syscall prototypes Glibc hides.
