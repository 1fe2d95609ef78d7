use std::process::ExitCode;

/// The main thread's stack is a worker's (see `workers.rs`): the work runs here when no worker can
/// be started.
fn main() -> ExitCode {
    let worker = std::thread::Builder::new()
        .name("authlint".into())
        .stack_size(authlint::workers::stack_size())
        .spawn(authlint::cli::main);
    match worker.map(|w| w.join()) {
        Ok(Ok(code)) => code,
        // A panic is a bug in authlint: it has printed its message; say so in the status.
        Ok(Err(_)) => ExitCode::from(authlint::cli::EXIT_CANNOT_RUN),
        // No thread (resources exhausted): run on this one.
        Err(e) => {
            eprintln!("authlint: cannot start the main thread ({e}): running on the process's own stack");
            authlint::cli::main()
        }
    }
}

/// mimalloc (faster than the system allocator on the many small allocations of loading and
/// analysis), called the way `malloc` is called for the alignments `malloc` guarantees: the
/// mimalloc crate's `MiMalloc` always takes mimalloc's aligned path, which cost a few percent
/// of a run.
struct Allocator;

/// The alignment `malloc` (and mimalloc's `mi_malloc`) guarantees on 64-bit targets.
const MALLOC_ALIGN: usize = 16;

fn malloc_aligns(layout: std::alloc::Layout) -> bool {
    layout.align() <= MALLOC_ALIGN && layout.align() <= layout.size()
}

// SAFETY: every pointer comes from mimalloc and goes back to it; `mi_malloc` and `mi_realloc`
// are used only for layouts whose alignment they guarantee (as `std::alloc::System` does with
// `malloc`), the aligned functions for the others. (`alloc_zeroed` is the default: `alloc`,
// then zeroing; Rust code seldom asks for zeroed memory.)
unsafe impl std::alloc::GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys::{mi_malloc, mi_malloc_aligned};
        // SAFETY: see the impl.
        unsafe {
            if malloc_aligns(layout) {
                mi_malloc(layout.size()).cast()
            } else {
                mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: see the impl.
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        use libmimalloc_sys::{mi_realloc, mi_realloc_aligned};
        // SAFETY: see the impl.
        unsafe {
            if layout.align() <= MALLOC_ALIGN && layout.align() <= new_size {
                mi_realloc(ptr.cast(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}

#[global_allocator]
static GLOBAL: Allocator = Allocator;

#[cfg(test)]
mod tests {
    use std::alloc::{GlobalAlloc, Layout};

    use super::Allocator;

    #[test]
    fn allocations_are_aligned_zeroed_and_keep_their_bytes_when_resized() {
        let layout = |size, align| Layout::from_size_align(size, align).expect("valid layout");
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 7, 8, 15, 16, 17, 100, 5000] {
                // SAFETY: the layouts have a non-zero size; each pointer is freed once, with
                // the layout it was (re)allocated with.
                unsafe {
                    let zeroed = Allocator.alloc_zeroed(layout(size, align));
                    assert!(!zeroed.is_null() && (zeroed as usize).is_multiple_of(align), "{size} {align}");
                    assert!(std::slice::from_raw_parts(zeroed, size).iter().all(|&b| b == 0));
                    Allocator.dealloc(zeroed, layout(size, align));

                    // Grown and shrunk, the bytes written stay.
                    for new_size in [size * 3, size.div_ceil(2)] {
                        let p = Allocator.alloc(layout(size, align));
                        assert!(!p.is_null() && (p as usize).is_multiple_of(align), "{size} {align}");
                        for i in 0..size {
                            *p.add(i) = i as u8;
                        }
                        let q = Allocator.realloc(p, layout(size, align), new_size);
                        assert!(
                            !q.is_null() && (q as usize).is_multiple_of(align),
                            "{size} {align} -> {new_size}"
                        );
                        assert!(
                            (0..size.min(new_size)).all(|i| *q.add(i) == i as u8),
                            "{size} -> {new_size}"
                        );
                        Allocator.dealloc(q, layout(new_size, align));
                    }
                }
            }
        }
    }
}
