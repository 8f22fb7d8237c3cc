"""jupyter_kernel_test's conformance suite, every sample attribute filled."""
import unittest

import jupyter_kernel_test


class GoLabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "golab"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'fmt.Println("hello, world")'
    code_stderr = 'fmt.Fprintln(os.Stderr, "oops")'

    completion_samples = [
        # Matches replace the text from cursor_start, which is just after the dot.
        {"text": "strings.ToUpp", "matches": {"ToUpper", "ToUpperSpecial"}},
        {"text": "fmt.Sprin", "matches": {"Sprint", "Sprintf", "Sprintln"}},
    ]
    complete_code_samples = ["x := 1", "fmt.Println(1)", "func f() int { return 1 }", ""]
    incomplete_code_samples = ["func f() {", "x := []int{1,", "y := 1 +", "for i := 0; i < 3; i++ {"]
    invalid_code_samples = ["x := )", "func {}}"]

    code_generate_error = 'panic("boom")'
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": '"go" + "lab"', "result": "golab"},
        {"code": "x := 6 * 7\nx", "result": "42"},
    ]
    code_display_data = [
        {"code": 'display.Show(display.HTML("<b>hi</b>"))', "mime": "text/html"},
        {"code": 'display.Show(display.Markdown("# hi"))', "mime": "text/markdown"},
        {"code": 'display.Show(display.SVG("<svg xmlns=\'http://www.w3.org/2000/svg\'></svg>"))', "mime": "image/svg+xml"},
    ]
    code_history_pattern = "x := 6*"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "strings.ToUpper"
    code_clear_output = 'display.ClearOutput(false)'
    code_page_something = "?strings.ToUpper"


if __name__ == "__main__":
    unittest.main()
