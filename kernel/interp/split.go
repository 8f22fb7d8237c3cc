package interp

import (
	"go/scanner"
	"go/token"
	"strings"
)

// itemKind classifies one top-level item of a cell.
type itemKind int

const (
	itemStmt    itemKind = iota // a statement (including := and expression statements)
	itemImport                  // an import declaration
	itemDecl                    // func, method, type, const or var declaration
	itemPackage                 // a package clause, ignored
)

// item is one top-level statement or declaration of a cell, as byte offsets
// into the cell text.
type item struct {
	kind       itemKind
	start, end int    // [start, end) in the cell
	keyword    string // "func", "type", "var", "const", "import" for declarations
}

// splitCell cuts a cell into top-level items by scanning its tokens: an item
// ends at a semicolon (explicit or automatic) at bracket depth 0. It never
// fails: unbalanced brackets leave the rest of the cell in one item, and the
// parser then reports the syntax error with a position.
func splitCell(src string) []item {
	var s scanner.Scanner
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(src))
	s.Init(file, []byte(src), func(token.Position, string) {}, 0)

	type tok struct {
		pos int
		tok token.Token
		lit string
	}
	var toks []tok
	for {
		p, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		toks = append(toks, tok{file.Offset(p), t, lit})
	}

	var items []item
	depth := 0
	startTok := -1
	flush := func(endTok int) {
		if startTok < 0 {
			return
		}
		first := toks[startTok]
		end := toks[endTok-1].pos + len(tokenText(toks[endTok-1].tok, toks[endTok-1].lit))
		if end > len(src) {
			end = len(src) // illegal tokens report a longer text than they span
		}
		if end < first.pos {
			end = first.pos
		}
		it := item{kind: itemStmt, start: first.pos, end: end}
		switch first.tok {
		case token.PACKAGE:
			it.kind = itemPackage
		case token.IMPORT:
			it.kind, it.keyword = itemImport, "import"
		case token.TYPE, token.CONST, token.VAR:
			it.kind, it.keyword = itemDecl, first.tok.String()
		case token.FUNC:
			if isFuncDecl(toks, startTok, func(i int) token.Token { return toks[i].tok }) {
				it.kind, it.keyword = itemDecl, "func"
			}
		}
		items = append(items, it)
		startTok = -1
	}
	header := false // inside the header of for/if/switch, up to its body's {
	for i, t := range toks {
		switch t.tok {
		case token.FOR, token.IF, token.SWITCH:
			if depth == 0 {
				header = true
			}
		case token.LBRACE:
			if depth == 0 {
				header = false
			}
		}
		switch t.tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth > 0 {
				depth--
			}
		}
		if t.tok == token.SEMICOLON && depth == 0 && !header {
			flush(i)
			continue
		}
		if startTok < 0 {
			startTok = i
		}
	}
	flush(len(toks))
	return items
}

// isFuncDecl reports whether the func keyword at toks[i] starts a function
// or method declaration (rather than a function literal in a statement).
func isFuncDecl[T any](toks []T, i int, at func(int) token.Token) bool {
	if i+1 >= len(toks) {
		return false
	}
	switch at(i + 1) {
	case token.IDENT:
		return true
	case token.LPAREN:
		// Either a receiver or the parameters of a literal: find the match.
		depth := 0
		for j := i + 1; j < len(toks); j++ {
			switch at(j) {
			case token.LPAREN:
				depth++
			case token.RPAREN:
				depth--
				if depth == 0 {
					return j+2 < len(toks) && at(j+1) == token.IDENT &&
						(at(j+2) == token.LPAREN || at(j+2) == token.LBRACK)
				}
			}
		}
	}
	return false
}

func tokenText(t token.Token, lit string) string {
	if lit != "" && t != token.SEMICOLON {
		return lit
	}
	if t == token.SEMICOLON {
		if lit == "\n" {
			return ""
		}
		return ";"
	}
	return t.String()
}

// blankExcept returns src with every byte outside the given ranges replaced
// by a space, newlines kept, so that positions in the result equal positions
// in src.
func blankExcept(src string, keep []item) string {
	b := []byte(src)
	mask := make([]bool, len(b))
	for _, it := range keep {
		for i := it.start; i < it.end && i < len(b); i++ {
			mask[i] = true
		}
		// Keep the explicit semicolon that ends the item, so that items
		// sharing a line (`a(); b()`) stay separate statements.
		j := it.end
		for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
			j++
		}
		if j < len(b) && b[j] == ';' {
			mask[j] = true
		}
	}
	for i := range b {
		if !mask[i] && b[i] != '\n' {
			b[i] = ' '
		}
	}
	// Multi-byte runes outside the mask were blanked byte by byte, which
	// keeps byte offsets identical; columns of later runes on the same line
	// are byte-based in go/token anyway.
	return string(b)
}

// IsComplete reports whether code is a complete cell, for Jupyter's
// is_complete_request: "incomplete" when brackets are open, a string or raw
// string is unfinished, or the last token is a binary operator, a comma, a
// dot or an arrow; "invalid" when a closing bracket has no opening one;
// otherwise "complete". indent is the suggested indentation of the next
// line (one tab per open bracket) when incomplete.
func (s *Session) IsComplete(code string) (status, indent string) {
	return isComplete(code)
}

func isComplete(code string) (status, indent string) {
	if strings.TrimSpace(code) == "" {
		return "complete", ""
	}
	// Magics and shell commands are handled by the kernel, not Go.
	if t := strings.TrimSpace(code); strings.HasPrefix(t, "%") || strings.HasPrefix(t, "!") {
		if strings.HasPrefix(t, "%%") {
			return "complete", ""
		}
		if strings.HasSuffix(t, "\\") {
			return "incomplete", ""
		}
		return "complete", ""
	}
	var s scanner.Scanner
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(code))
	var unterminated, invalid bool
	s.Init(file, []byte(code), func(_ token.Position, msg string) {
		if strings.Contains(msg, "not terminated") {
			unterminated = true
		} else if strings.Contains(msg, "illegal") || strings.Contains(msg, "invalid") {
			invalid = true
		}
	}, scanner.ScanComments)
	var stack []token.Token
	last := token.ILLEGAL
	for {
		_, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		if t == token.COMMENT || (t == token.SEMICOLON && lit == "\n") {
			continue
		}
		switch t {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			stack = append(stack, t)
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if len(stack) == 0 || !matches(stack[len(stack)-1], t) {
				return "invalid", ""
			}
			stack = stack[:len(stack)-1]
		}
		last = t
	}
	if unterminated {
		return "incomplete", ""
	}
	if invalid {
		return "invalid", ""
	}
	if len(stack) > 0 {
		return "incomplete", strings.Repeat("\t", len(stack))
	}
	if continuesLine(last) {
		return "incomplete", "\t"
	}
	return "complete", ""
}

func matches(open, close token.Token) bool {
	return open == token.LPAREN && close == token.RPAREN ||
		open == token.LBRACK && close == token.RBRACK ||
		open == token.LBRACE && close == token.RBRACE
}

// continuesLine reports whether a line ending in t cannot end a statement.
func continuesLine(t token.Token) bool {
	switch t {
	case token.ADD, token.SUB, token.MUL, token.QUO, token.REM,
		token.AND, token.OR, token.XOR, token.SHL, token.SHR, token.AND_NOT,
		token.LAND, token.LOR, token.EQL, token.NEQ, token.LSS, token.LEQ,
		token.GTR, token.GEQ, token.COMMA, token.PERIOD, token.ARROW,
		token.ASSIGN, token.DEFINE, token.ADD_ASSIGN, token.SUB_ASSIGN,
		token.MUL_ASSIGN, token.QUO_ASSIGN, token.REM_ASSIGN, token.AND_ASSIGN,
		token.OR_ASSIGN, token.XOR_ASSIGN, token.SHL_ASSIGN, token.SHR_ASSIGN,
		token.AND_NOT_ASSIGN, token.COLON:
		return true
	}
	return false
}
