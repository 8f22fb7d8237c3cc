package magic

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Kind names a magic.
type Kind string

// The magics GoLab knows.
const (
	Help      Kind = "help"
	Env       Kind = "env"
	Time      Kind = "time"
	Timeit    Kind = "timeit"
	Who       Kind = "who"
	Reset     Kind = "reset"
	Shell     Kind = "!"
	WriteFile Kind = "writefile"
)

// Errors returned (wrapped) by Parse.
var (
	ErrNotMagic = errors.New("magic: cell is not a magic")
	ErrUnknown  = errors.New("magic: unknown magic")
	ErrSyntax   = errors.New("magic: bad magic arguments")
)

// Magic is a parsed magic cell.
type Magic struct {
	Kind Kind
	// Cell is true for cell magics (written with "%%").
	Cell bool
	// Args are the magic's arguments:
	//   Env: [] (list), [NAME] (show) or [NAME, VALUE] (set);
	//   Time, Timeit: [] (the statement is in Body);
	//   WriteFile: [FILE];
	//   Shell: [] (the command is in Body);
	//   others: [].
	Args []string
	// Append is set by "%%writefile -a".
	Append bool
	// N is the repetition count of "%timeit -n N", 0 for automatic.
	N int
	// Body is the Go statement of %time/%timeit, the command of !cmd, or
	// the cell body (after the first line) of %%writefile.
	Body string
}

// spec describes one magic for help texts and the unknown-magic error.
type spec struct {
	kind  Kind
	cell  bool
	usage string
	help  string
}

var specs = []spec{
	{Help, false, "%help", "list the magics"},
	{Env, false, "%env [NAME[=VALUE]]", "show or set environment variables"},
	{Time, false, "%time STMT", "run a statement once and print its wall time"},
	{Timeit, false, "%timeit [-n N] STMT", "run a statement repeatedly and print the time per run"},
	{Who, false, "%who", "list session variables with their types"},
	{Reset, false, "%reset", "forget all variables, declarations and imports"},
	{Shell, false, "!CMD", "run a shell command and stream its output"},
	{WriteFile, true, "%%writefile [-a] FILE", "write (-a: append) the rest of the cell to FILE"},
}

// Known lists the magics' usages, one per entry, in a stable order.
func Known() []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.usage
	}
	return out
}

// HelpText is the text %help prints.
func HelpText() string {
	var b strings.Builder
	b.WriteString("GoLab magics:\n")
	for _, s := range specs {
		fmt.Fprintf(&b, "  %-24s %s\n", s.usage, s.help)
	}
	return b.String()
}

// IsMagic reports whether a cell is a magic (its first non-blank line starts
// with "%" or "!").
func IsMagic(cell string) bool {
	t := strings.TrimLeft(cell, " \t\r\n")
	return strings.HasPrefix(t, "%") || strings.HasPrefix(t, "!")
}

// Parse parses a magic cell.
func Parse(cell string) (Magic, error) {
	t := strings.TrimLeft(cell, " \t\r\n")
	if !IsMagic(t) {
		return Magic{}, ErrNotMagic
	}
	first, rest, _ := strings.Cut(t, "\n")
	first = strings.TrimRight(first, "\r")
	// Line continuation with a trailing backslash.
	for strings.HasSuffix(first, "\\") && !strings.HasPrefix(first, "%%") {
		var next string
		next, rest, _ = strings.Cut(rest, "\n")
		first = strings.TrimSuffix(first, "\\") + " " + strings.TrimRight(next, "\r")
	}

	if strings.HasPrefix(first, "!") {
		cmd := strings.TrimSpace(first[1:])
		if rest != "" {
			cmd = strings.TrimSpace(cmd + "\n" + rest)
		}
		if cmd == "" {
			return Magic{}, fmt.Errorf("%w: ! needs a shell command, e.g. !ls -l", ErrSyntax)
		}
		return Magic{Kind: Shell, Body: cmd}, nil
	}

	isCell := strings.HasPrefix(first, "%%")
	line := strings.TrimPrefix(strings.TrimPrefix(first, "%"), "%")
	name, args, _ := strings.Cut(strings.TrimSpace(line), " ")
	if i := strings.IndexAny(name, "\t"); i >= 0 {
		name, args = name[:i], name[i+1:]+" "+args
	}
	args = strings.TrimSpace(args)
	k, ok := lookup(name, isCell)
	if !ok {
		return Magic{}, unknown(name, isCell)
	}
	m := Magic{Kind: k, Cell: isCell}
	switch k {
	case Help, Who, Reset:
		if args != "" || strings.TrimSpace(rest) != "" {
			return Magic{}, fmt.Errorf("%w: %%%s takes no arguments, got %q", ErrSyntax, name, strings.TrimSpace(args+" "+rest))
		}
	case Env:
		if strings.TrimSpace(rest) != "" {
			return Magic{}, fmt.Errorf("%w: %%env takes one line, e.g. %%env NAME=VALUE", ErrSyntax)
		}
		if args == "" {
			break
		}
		if n, v, ok := strings.Cut(args, "="); ok {
			n = strings.TrimSpace(n)
			if !validEnvName(n) {
				return Magic{}, fmt.Errorf("%w: %%env: %q is not a variable name", ErrSyntax, n)
			}
			m.Args = []string{n, strings.TrimSpace(v)}
		} else {
			if strings.ContainsAny(args, " \t") || !validEnvName(args) {
				return Magic{}, fmt.Errorf("%w: %%env: expected NAME or NAME=VALUE, got %q", ErrSyntax, args)
			}
			m.Args = []string{args}
		}
	case Time, Timeit:
		if k == Timeit && strings.HasPrefix(args, "-n") {
			f := strings.Fields(args)
			var num string
			if f[0] == "-n" {
				if len(f) < 2 {
					return Magic{}, fmt.Errorf("%w: %%timeit -n needs a count", ErrSyntax)
				}
				num = f[1]
				args = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(args, "-n")), num))
			} else {
				num = strings.TrimPrefix(f[0], "-n")
				args = strings.TrimSpace(strings.TrimPrefix(args, f[0]))
			}
			n, err := strconv.Atoi(num)
			if err != nil || n <= 0 {
				return Magic{}, fmt.Errorf("%w: %%timeit -n: %q is not a positive count", ErrSyntax, num)
			}
			m.N = n
		}
		body := args
		if strings.TrimSpace(rest) != "" {
			if body != "" {
				body += "\n"
			}
			body += rest
		}
		body = strings.TrimSpace(body)
		if body == "" {
			return Magic{}, fmt.Errorf("%w: %%%s needs a statement, e.g. %%%s fib(20)", ErrSyntax, k, k)
		}
		m.Body = body
	case WriteFile:
		f := args
		if strings.HasPrefix(f, "-a ") || f == "-a" {
			m.Append = true
			f = strings.TrimSpace(strings.TrimPrefix(f, "-a"))
		}
		if uq, err := strconv.Unquote(f); err == nil {
			f = uq
		}
		if f == "" {
			return Magic{}, fmt.Errorf("%w: %%%%writefile needs a file name", ErrSyntax)
		}
		m.Args = []string{f}
		m.Body = rest
	}
	return m, nil
}

func lookup(name string, cell bool) (Kind, bool) {
	for _, s := range specs {
		if string(s.kind) == name && s.cell == cell && s.kind != Shell {
			return s.kind, true
		}
	}
	return "", false
}

func unknown(name string, cell bool) error {
	prefix := "%"
	if cell {
		prefix = "%%"
	}
	known := Known()
	sort.Strings(known)
	hint := ""
	for _, s := range specs {
		if string(s.kind) == name && s.kind != Shell {
			if s.cell {
				hint = fmt.Sprintf(" (did you mean %%%%%s?)", name)
			} else {
				hint = fmt.Sprintf(" (did you mean %%%s?)", name)
			}
		}
	}
	return fmt.Errorf("%w %s%s%s; known magics: %s", ErrUnknown, prefix, name, hint, strings.Join(known, ", "))
}

func validEnvName(n string) bool {
	if n == "" {
		return false
	}
	for i, r := range n {
		if r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return false
	}
	return true
}
