// Package display is how notebook code shows rich output in GoLab.
//
// It is the leaf package user code imports: it depends on nothing of the
// project, so any library can render itself without importing the kernel.
//
// # Rendering
//
// A value is shown rich when it implements [MIMEBundler]: its
// MIMEBundle method returns a map from MIME type to data. Text types carry
// strings; binary types (image/png, image/jpeg) may carry []byte, which
// [Render] base64-encodes as the Jupyter protocol asks; JSON types carry any
// value encoding/json accepts. Every other value is shown as text/plain.
//
//	display.Show(display.HTML("<b>bold</b>"))
//	display.Show(display.Markdown("# Title"))
//
// # Display handles
//
// A [Handle] names one output area by its display_id. [Handle.Show] creates
// it and [Handle.Update] replaces its content in place (update_display_data),
// which is what live charts build on.
//
// # Concurrency and ownership
//
// All functions are safe for concurrent use. The kernel installs a
// [Publisher] with [SetPublisher]; without one (plain `go run`, tests),
// Show prints the text/plain form to standard output so programs behave the
// same outside a notebook.
//
// # Invariants
//
//   - Render never panics on a value: a panicking MIMEBundle method or an
//     unencodable JSON payload becomes a text/plain bundle that says so.
//   - Every bundle Render returns holds text/plain.
package display
