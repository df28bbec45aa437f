package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/gobpftrace/gobpftrace/lang/diag"
)

// token is one lexeme with its absolute byte offset.
type token struct {
	kind kind
	text string
	pos  int
}

func (t token) end() int        { return t.pos + len(t.text) }
func (t token) span() diag.Span { return diag.Span{Start: t.pos, End: t.end()} }

// windowSize is how much text (rounded up to a line end) the participle
// lexer sees at once. Go's backtracking matcher clears a bitmap as large as
// its input on every call, so lexing the rest of a long file token by token
// would be quadratic.
const windowSize = 256

// scanner pulls tokens lazily from the participle stateful lexer, keeping a
// small lookahead buffer for the parser.
//
// Block and Pred text is lexed in windows that end at a line end. A token
// that is followed by another complete token inside its window is final:
// no rule can match across a complete token (strings never span lines; a
// comment cut short matches Tok's unterminated-comment alternative up to
// the window's end; a predicate's "/ … {" cut short leaves the '/' as the
// last token). The last non-comment token of a window and anything after it
// are lexed again at the start of the next window, which is entered in the
// lexer state they were lexed in through a one-token seed text. Windows
// that start in Root or CBody run to the end of the text; when such a
// window pushes Block or Pred, lexing continues in windows.
type scanner struct {
	src string
	lx  lexer.Lexer

	base  int // src offset of the lexer's input start (negative inside the seed)
	skip  int // seed tokens still to drop
	limit int // end of the current window in src
	win   int // current window size
	size  int // initial window size; windowSize when 0 (tests shrink it)
	from  int // offset where the current window started
	// unbounded is set for windows started in Root or CBody, which run to
	// the end of the text.
	unbounded bool

	// held are the last non-comment token of the window and the comments
	// after it: they become final once another token follows.
	held      []token
	heldState string  // lexer state before held[0]
	curState  string  // lexer state after the last lexed token
	buf       []token // released tokens: the parser's lookahead
	done      bool
}

// reset restarts lexing in the Root state at byte offset off.
func (s *scanner) reset(off int) {
	s.buf = s.buf[:0]
	s.win = s.windowSize()
	s.start(min(off, len(s.src)), "Root")
}

// start begins a window at off in the given lexer state. Only Block and
// Pred text is windowed: Root and CBody tokens are few, and some of them
// (`struct NAME {` across lines) could not be cut safely.
func (s *scanner) start(off int, state string) {
	s.from, s.curState = off, state
	s.held, s.done = s.held[:0], false
	s.limit = len(s.src)
	s.unbounded = state != "Block" && state != "Pred"
	if !s.unbounded && off+s.win < len(s.src) {
		if nl := strings.IndexByte(s.src[off+s.win:], '\n'); nl >= 0 {
			s.limit = off + s.win + nl + 1
		}
	}
	seed := seeds[state]
	lx, err := lexDef.LexString("", seed+s.src[off:s.limit])
	if err != nil { // LexString never fails
		panic(err)
	}
	s.lx, s.base, s.skip = lx, off-len(seed), 0
	if seed != "" {
		s.skip = 1
	}
}

func (s *scanner) windowSize() int {
	if s.size > 0 {
		return s.size
	}
	return windowSize
}

// final reports whether the current window reaches the end of the text.
func (s *scanner) final() bool { return s.limit == len(s.src) }

// release moves the held tokens to the lookahead buffer, dropping comments.
func (s *scanner) release() {
	for _, t := range s.held {
		if t.kind != kComment {
			s.buf = append(s.buf, t)
		}
	}
	s.held = s.held[:0]
}

// fill makes sure the buffer holds at least n tokens (the last may be EOF).
func (s *scanner) fill(n int) {
	for len(s.buf) < n {
		if s.done {
			s.buf = append(s.buf, token{kind: kEOF, pos: len(s.src)})
			continue
		}
		t, err := s.lx.Next()
		if err != nil || t.Type == lexer.EOF {
			s.endWindow()
			continue
		}
		info := rulesByType[t.Type]
		if s.skip > 0 {
			s.skip--
			continue
		}
		tok := classify(info.kind, t.Value, s.base+t.Pos.Offset)
		if tok.kind != kComment && tok.kind != kUntermComment {
			s.release() // a complete token follows them: the held ones are final
		}
		if len(s.held) == 0 {
			s.heldState = s.curState
		}
		s.held = append(s.held, tok)
		if info.push != "" {
			s.curState = info.push
		}
		if s.final() {
			s.release()
		}
		if s.unbounded && (info.push == "Block" || info.push == "Pred") && len(s.src)-tok.end() > s.windowSize() {
			s.start(tok.end(), info.push) // continue in windows
		}
	}
}

// endWindow handles the end of the lexer's input: the real end of file, or
// the end of a window, after which lexing resumes at the first held token.
func (s *scanner) endWindow() {
	if s.final() {
		s.release()
		s.done = true
		return
	}
	restart, state := s.limit, s.curState
	if len(s.held) > 0 {
		restart, state = s.held[0].pos, s.heldState
	}
	if restart <= s.from {
		s.win *= 2 // a single token fills the window: widen it
	} else {
		s.win = s.windowSize()
	}
	s.start(restart, state)
}

// peek returns the i-th token ahead (0 = next) without consuming it.
func (s *scanner) peek(i int) token {
	s.fill(i + 1)
	return s.buf[i]
}

// next consumes and returns the next token.
func (s *scanner) next() token {
	s.fill(1)
	t := s.buf[0]
	copy(s.buf, s.buf[1:])
	s.buf = s.buf[:len(s.buf)-1]
	return t
}
