//! Memory freed after a burst of work (the first screen, an extraction run, a sync) given
//! back to the system. glibc keeps what a thread freed in that thread's arena for the next
//! allocation there, and a workstation that runs for days would carry a burst's peak.

/// Returns the free pages of every malloc arena to the system.
#[allow(unsafe_code)]
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases pages malloc holds free; it is given no pointer.
    unsafe {
        libc::malloc_trim(0);
    }
}
