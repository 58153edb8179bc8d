package pagetable

// Debug tells the external tests whether preconditions panic
// (-tags mmdebug) instead of returning ErrInvalid.
const Debug = debug
