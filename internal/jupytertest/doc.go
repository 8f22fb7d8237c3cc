// Package jupytertest holds GoLab's integration tests with real Jupyter
// clients. They are Python (pytest) files driven by `make test`:
// jupyter_kernel_test's conformance suite, jupyter_client protocol tests
// (HMAC, interrupts, stdin, crashes, goroutine output, soak), and notebook
// runs with nbconvert and papermill. requirements.txt pins the tools.
package jupytertest
