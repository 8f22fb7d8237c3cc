package cluster

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golab-dev/golab/dataframe/physical"
	"github.com/golab-dev/golab/kernel/display"
)

// sleepCalls returns n calls of EchoTask over a small table.
func sleepCalls(t *testing.T, n int) []TaskCall {
	t.Helper()
	x, _, _ := testTables(100)
	tb := frameTable(x)
	t.Cleanup(tb.Release)
	calls := make([]TaskCall, n)
	for i := range calls {
		calls[i] = TaskCall{Inputs: []*physical.Table{tb}}
	}
	return calls
}

type timedProgress struct {
	at time.Time
	p  JobProgress
}

// TestProgressReports checks that a job reports at most 5 times a second
// while it runs and ends with a final report that counts every task.
func TestProgressReports(t *testing.T) {
	var mu sync.Mutex
	var got []timedProgress
	c := startCluster(t, Config{Workers: 2, OnProgress: func(p JobProgress) {
		mu.Lock()
		got = append(got, timedProgress{time.Now(), p})
		mu.Unlock()
	}})
	out, err := c.RunTask(context.Background(), EchoTask, map[string]int{"sleep_ms": 250}, sleepCalls(t, 8))
	if err != nil {
		t.Fatal(err)
	}
	releaseTables(out)
	mu.Lock()
	defer mu.Unlock()
	if len(got) < 3 {
		t.Fatalf("%d reports for a job of about a second, want a few: %v", len(got), got)
	}
	for i, r := range got {
		if r.p.Finished != (i == len(got)-1) {
			t.Fatalf("report %d of %d: Finished = %v", i, len(got), r.p.Finished)
		}
		if i > 0 && i < len(got)-1 && r.at.Sub(got[i-1].at) < progressInterval-20*time.Millisecond {
			t.Fatalf("reports %d and %d only %v apart (at most 5 per second)", i-1, i, r.at.Sub(got[i-1].at))
		}
		if i > 0 && r.p.TasksDone < got[i-1].p.TasksDone {
			t.Fatalf("tasks done went back from %d to %d", got[i-1].p.TasksDone, r.p.TasksDone)
		}
	}
	last := got[len(got)-1].p
	if last.Err != nil || last.Stage != 1 || last.Tasks != 8 || last.TasksDone != 8 || last.StageDone != 8 {
		t.Fatalf("final report %+v, want 1 stage with 8/8 tasks done", last)
	}

	// A query reports all its stages; a failed job reports its error.
	got = got[:0]
	mu.Unlock()
	x, _, _ := testTables(2000)
	_, err = c.Collect(context.Background(), x.Lazy().GroupBy("id1").Agg(col("v1").Sum()))
	mu.Lock()
	if err != nil {
		t.Fatal(err)
	}
	if last := got[len(got)-1].p; !last.Finished || last.Stage < 2 || last.TasksDone != last.Tasks {
		t.Fatalf("group-by final report %+v, want >= 2 stages, all tasks done", last)
	}
	got = got[:0]
	mu.Unlock()
	_, err = c.RunTask(context.Background(), "no.such.task", nil, sleepCalls(t, 1))
	mu.Lock()
	if last := got[len(got)-1].p; !last.Finished || !errors.Is(last.Err, ErrUnknownTask) || !strings.Contains(last.String(), "failed") {
		t.Fatalf("failed job's final report %+v (%s), want its error", last, last)
	}
}

// fakePublisher records what kernel/display publishes.
type fakePublisher struct {
	mu   sync.Mutex
	msgs []published
}

type published struct {
	text   string
	id     string
	update bool
}

func (f *fakePublisher) Publish(data, _ map[string]any, id string, update bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	text, _ := data["text/plain"].(string)
	if _, ok := data["text/html"].(string); !ok {
		text = "NO HTML: " + text
	}
	f.msgs = append(f.msgs, published{text, id, update})
}

func (f *fakePublisher) ClearOutput(bool) {}

func (f *fakePublisher) take() []published {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.msgs
	f.msgs = nil
	return m
}

// TestProgressDisplay: in a notebook a job shows one display area that
// is updated in place and ends with the final state; a quick job shows
// nothing; NoProgress turns it off; outside a notebook nothing is shown.
func TestProgressDisplay(t *testing.T) {
	if display.Active() {
		t.Fatal("the test binary counts as a notebook")
	}
	if (&Cluster{}).progressSink() != nil {
		t.Fatal("a progress sink outside a notebook")
	}
	fake := &fakePublisher{}
	old := display.SetPublisher(fake)
	t.Cleanup(func() { display.SetPublisher(old) })
	if !display.Active() {
		t.Fatal("with a publisher installed, the process does not count as a notebook")
	}

	c := startCluster(t, Config{Workers: 2})
	out, err := c.RunTask(context.Background(), EchoTask, map[string]int{"sleep_ms": 300}, sleepCalls(t, 6))
	if err != nil {
		t.Fatal(err)
	}
	releaseTables(out)
	msgs := fake.take()
	if len(msgs) < 2 {
		t.Fatalf("published %v, want a display and updates", msgs)
	}
	for i, m := range msgs {
		if m.id == "" || m.id != msgs[0].id || m.update != (i > 0) || strings.HasPrefix(m.text, "NO HTML") {
			t.Fatalf("message %d of %v: want one display_id, display_data first, then update_display_data, all with HTML", i, msgs)
		}
	}
	if last := msgs[len(msgs)-1].text; !strings.Contains(last, "done in") || !strings.Contains(last, "6/6 tasks") {
		t.Fatalf("last update %q, want the final state", last)
	}

	out, err = c.RunTask(context.Background(), EchoTask, nil, sleepCalls(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	releaseTables(out)
	if msgs := fake.take(); len(msgs) != 0 {
		t.Fatalf("a quick job published %v, want nothing", msgs)
	}

	quiet := startCluster(t, Config{Workers: 1, NoProgress: true})
	out, err = quiet.RunTask(context.Background(), EchoTask, map[string]int{"sleep_ms": 600}, sleepCalls(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	releaseTables(out)
	if msgs := fake.take(); len(msgs) != 0 {
		t.Fatalf("NoProgress published %v, want nothing", msgs)
	}
}

func TestJobProgressBundle(t *testing.T) {
	cases := []struct {
		p          JobProgress
		text, html string
	}{
		{JobProgress{Job: "j1", Stage: 2, StageName: "shuffle", StageTasks: 4, StageDone: 1, Tasks: 8, TasksDone: 5, Elapsed: time.Second},
			"job j1: running for 1s, 2 stages, 5/8 tasks; stage 2 (shuffle): 1/4 tasks", "width:62.5%"},
		{JobProgress{Job: "j2", Stage: 3, Tasks: 9, TasksDone: 9, Elapsed: 1500 * time.Millisecond, Finished: true},
			"job j2: done in 1.5s, 3 stages, 9/9 tasks", "width:100.0%"},
		{JobProgress{Job: "j3", Stage: 1, Tasks: 2, TasksDone: 1, Retries: 1, Finished: true, Err: ErrNoWorkers},
			"job j3: failed after 0s, 1 stage, 1/2 tasks; 1 retried: " + ErrNoWorkers.Error(), "#d9534f"},
	}
	for _, tc := range cases {
		b := tc.p.MIMEBundle()
		if b["text/plain"] != tc.text {
			t.Errorf("text %q, want %q", b["text/plain"], tc.text)
		}
		if h := b["text/html"].(string); !strings.Contains(h, tc.html) {
			t.Errorf("html %s does not contain %q", h, tc.html)
		}
	}
}

// TestMIMEBundleShowsJobs: the cluster's own display lists the running
// jobs with their progress bars.
func TestMIMEBundleShowsJobs(t *testing.T) {
	c := startCluster(t, Config{Workers: 1})
	done := make(chan error, 1)
	calls := sleepCalls(t, 2)
	go func() {
		out, err := c.RunTask(context.Background(), EchoTask, map[string]int{"sleep_ms": 1500}, calls)
		releaseTables(out)
		done <- err
	}()
	if waitRunning(c, 5*time.Second) == 0 {
		t.Fatal("the job did not start")
	}
	b := c.MIMEBundle()
	if h, txt := b["text/html"].(string), b["text/plain"].(string); !strings.Contains(h, "golab-job-progress") || !strings.Contains(txt, "0/2 tasks") {
		t.Fatalf("cluster display without the running job:\n%s\n%s", h, txt)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if txt := c.MIMEBundle()["text/plain"].(string); strings.Contains(txt, "job ") {
		t.Fatalf("finished job still shown:\n%s", txt)
	}
}
