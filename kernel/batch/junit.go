package batch

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *struct{}     `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes r as a JUnit XML report with one testcase per code
// cell (named "cell N: first line"); failed cells carry a failure with the
// error and its traceback, cells that did not run are skipped.
func WriteJUnit(w io.Writer, notebook string, r *Report) error {
	s := junitSuite{Name: notebook, Tests: len(r.Cells), Time: seconds(r.End.Sub(r.Start).Seconds()),
		Timestamp: r.Start.UTC().Format("2006-01-02T15:04:05")}
	for _, c := range r.Cells {
		jc := junitCase{Name: fmt.Sprintf("cell %d: %s", c.Index, c.FirstLine), ClassName: notebook, Time: seconds(c.Duration.Seconds())}
		switch c.Status {
		case StatusFailed:
			s.Failures++
			text := stripANSI(c.EValue)
			if len(c.Traceback) > 0 {
				text = stripANSI(strings.Join(c.Traceback, "\n"))
			}
			jc.Failure = &junitFailure{Message: c.Message(), Type: c.EName, Text: text}
		case StatusPending:
			s.Skipped++
			jc.Skipped = &struct{}{}
		}
		s.Cases = append(s.Cases, jc)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{s}}); err != nil {
		return fmt.Errorf("batch: write JUnit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }
