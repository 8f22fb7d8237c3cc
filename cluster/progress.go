package cluster

import (
	"fmt"
	"html"
	"strings"
	"sync"
	"time"

	"github.com/golab-dev/golab/kernel/display"
)

// JobProgress is how far a job (one Execute, Collect or RunTask call)
// has got. Stages are started one after the other as the plan is cut at
// exchanges, so the number of stages is known only when the job ends.
type JobProgress struct {
	// Job is the job's id ("j3").
	Job string
	// Stage is the number of stages started so far; the last one is
	// running unless Finished.
	Stage int
	// StageName says what the current stage does ("partial aggregate").
	StageName string
	// StageTasks and StageDone count the current stage's tasks.
	StageTasks, StageDone int
	// Tasks and TasksDone count the tasks of all stages started so far.
	Tasks, TasksDone int
	// Retries counts failed attempts that were re-run on another worker.
	Retries int
	// Elapsed is the time since the job started.
	Elapsed time.Duration
	// Finished is set in the last report of a job; Err is its error.
	Finished bool
	Err      error
}

// String renders the progress as one line.
func (p JobProgress) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "job %s: ", p.Job)
	switch {
	case p.Finished && p.Err != nil:
		fmt.Fprintf(&b, "failed after %s", p.Elapsed.Round(time.Millisecond))
	case p.Finished:
		fmt.Fprintf(&b, "done in %s", p.Elapsed.Round(time.Millisecond))
	default:
		fmt.Fprintf(&b, "running for %s", p.Elapsed.Round(100*time.Millisecond))
	}
	stages := "stages"
	if p.Stage == 1 {
		stages = "stage"
	}
	fmt.Fprintf(&b, ", %d %s, %d/%d tasks", p.Stage, stages, p.TasksDone, p.Tasks)
	if p.Stage > 0 && !p.Finished {
		fmt.Fprintf(&b, "; stage %d (%s): %d/%d tasks", p.Stage, p.StageName, p.StageDone, p.StageTasks)
	}
	if p.Retries > 0 {
		fmt.Fprintf(&b, "; %d retried", p.Retries)
	}
	if p.Finished && p.Err != nil {
		fmt.Fprintf(&b, ": %v", p.Err)
	}
	return b.String()
}

// MIMEBundle renders the progress as an HTML progress bar (tasks done of
// the stages started so far) with the current stage's count beneath.
func (p JobProgress) MIMEBundle() map[string]any {
	frac := 0.0
	if p.Tasks > 0 {
		frac = float64(p.TasksDone) / float64(p.Tasks)
	}
	if p.Finished && p.Err == nil {
		frac = 1
	}
	color := "#4a90d9"
	switch {
	case p.Finished && p.Err != nil:
		color = "#d9534f"
	case p.Finished:
		color = "#5cb85c"
	}
	var h strings.Builder
	h.WriteString(`<div class="golab-job-progress" style="font-family:sans-serif;font-size:12px;max-width:480px">`)
	fmt.Fprintf(&h, `<div style="background:#eee;border-radius:3px;height:14px"><div style="background:%s;width:%.1f%%;height:14px;border-radius:3px"></div></div>`, color, 100*frac)
	fmt.Fprintf(&h, `<div>%s</div></div>`, html.EscapeString(p.String()))
	return map[string]any{"text/html": h.String(), "text/plain": p.String()}
}

// progressInterval is the shortest time between two progress reports of
// a job (at most 5 per second); the final report comes at once.
const progressInterval = 200 * time.Millisecond

// displayQuiet: a job that ends within this time without error shows no
// progress bar in a notebook (it would only flash).
const displayQuiet = 500 * time.Millisecond

// progressSink returns where the cluster's jobs report progress, or nil.
func (c *Cluster) progressSink() func(JobProgress) {
	switch {
	case c.cfg.NoProgress:
		return nil
	case c.cfg.OnProgress != nil:
		return c.cfg.OnProgress
	case display.Active(): // elsewhere display prints text, which a bar must not do
		return newDisplaySink()
	}
	return nil
}

// newDisplaySink shows a job's progress in a display handle updated in
// place (update_display_data).
func newDisplaySink() func(JobProgress) {
	h := display.NewHandle()
	shown := false
	return func(p JobProgress) {
		if !shown {
			if p.Finished && p.Err == nil && p.Elapsed < displayQuiet {
				return
			}
			h.Show(p)
			shown = true
			return
		}
		h.Update(p)
	}
}

// reporter throttles a job's progress reports. Its goroutine (owned by
// the job, ended by stop) sends the state at most every
// progressInterval when it changed; stop sends the final state.
type reporter struct {
	sink  func(JobProgress)
	start time.Time
	done  chan struct{}
	wg    sync.WaitGroup

	mu struct {
		sync.Mutex
		p       JobProgress
		changed bool
	}
}

func newReporter(job string, sink func(JobProgress)) *reporter {
	r := &reporter{sink: sink, start: time.Now(), done: make(chan struct{})}
	r.mu.p.Job = job
	if sink == nil {
		return r
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		for {
			select {
			case <-r.done:
				return
			case <-t.C:
				if p, ok := r.take(); ok {
					r.sink(p)
				}
			}
		}
	}()
	return r
}

// update changes the state under the reporter's lock and returns it.
func (r *reporter) update(f func(p *JobProgress)) JobProgress {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.mu.p)
	r.mu.changed = true
	return r.mu.p
}

func (r *reporter) take() (JobProgress, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.mu.changed {
		return JobProgress{}, false
	}
	r.mu.changed = false
	p := r.mu.p
	p.Elapsed = time.Since(r.start)
	return p, true
}

// stop ends the goroutine and sends the final report (after any the
// goroutine sent, so the last report is the final one).
func (r *reporter) stop(err error) {
	close(r.done)
	r.wg.Wait()
	if r.sink == nil {
		return
	}
	p := r.update(func(p *JobProgress) { p.Finished, p.Err = true, err })
	p.Elapsed = time.Since(r.start)
	r.sink(p)
}
