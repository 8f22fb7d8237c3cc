// Package install writes GoLab's Jupyter kernelspec: kernel.json (name
// "golab", display name "Go (GoLab)", language go, message-mode
// interrupts, the absolute path of the golab binary) and its 32x32 and
// 64x64 logos, into the user's, the Python environment's or a given
// prefix's share/jupyter/kernels directory.
//
// It imports only the standard library, so it can be used from any tool.
//
// # Error policy
//
// Errors name the directory that could not be written and wrap the cause.
package install
