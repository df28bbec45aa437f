package runtime

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxSourceSize is the largest script or header gobpftrace reads: 4 MiB.
// bpftrace scripts are a few kilobytes and the largest system headers a
// few hundred; the cap keeps a mistaken argument (/dev/zero, a log file, a
// pipe that never ends) from filling memory.
const MaxSourceSize = 4 << 20

// SourceError says why a script or header could not be read.
type SourceError struct {
	Path string // file name, or "stdin"
	Err  error  // ErrNotRegular, ErrTooLarge or the operating system's error
}

func (e *SourceError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }

// Unwrap returns the cause.
func (e *SourceError) Unwrap() error { return e.Err }

// Reasons a source is refused.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = fmt.Errorf("larger than the %d MiB limit", MaxSourceSize>>20)
)

// ReadSourceFile reads a script or header from path. Only a regular file of
// at most MaxSourceSize bytes is read: a device, FIFO, socket or directory
// is refused without reading (the open does not block on a FIFO), and a
// file that is or grows too large is refused after reading at most one
// byte past the limit.
func ReadSourceFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, &SourceError{Path: path, Err: unwrapPath(err)}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &SourceError{Path: path, Err: err}
	}
	if !st.Mode().IsRegular() {
		return nil, &SourceError{Path: path, Err: ErrNotRegular}
	}
	if st.Size() > MaxSourceSize {
		return nil, &SourceError{Path: path, Err: ErrTooLarge}
	}
	// Files in /proc and /sys report size 0: the limit is enforced on the
	// bytes read, too.
	return readLimited(f, path)
}

// ReadSource reads a script from r (stdin, possibly an endless pipe): at
// most MaxSourceSize+1 bytes are read, and more than MaxSourceSize is an
// error.
func ReadSource(r io.Reader, name string) ([]byte, error) {
	return readLimited(r, name)
}

func readLimited(r io.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSourceSize+1))
	if err != nil {
		return nil, &SourceError{Path: name, Err: unwrapPath(err)}
	}
	if len(b) > MaxSourceSize {
		return nil, &SourceError{Path: name, Err: ErrTooLarge}
	}
	return b, nil
}

// unwrapPath drops the *fs.PathError around an error: callers name the
// path themselves.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
