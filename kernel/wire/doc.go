// Package wire is the Jupyter messaging protocol (version 5.3) as data:
// connection files, the multipart frame layout, HMAC signatures and the
// message structs. It does no I/O of its own beyond reading a connection
// file, so every decoder here is pure and fuzzed.
//
// # Frames
//
// A message on a ROUTER socket is
//
//	[identity...] "<IDS|MSG>" signature header parent_header metadata content [buffers...]
//
// The signature is the lowercase hex HMAC-SHA256 of the four JSON parts,
// keyed by the connection file's key. With an empty key the signature is
// empty and not checked (the spec's "no authentication" mode).
//
// # Invariants
//
//   - [Signer.Verify] compares in constant time (hmac.Equal).
//   - [Decode] never panics on any input; it returns an error that says which
//     part was wrong, wrapped around [ErrMalformed] or [ErrSignature].
//   - A decoded [Message] keeps the raw parent_header, metadata and content
//     bytes, so a reply can echo the request header exactly.
//
// # Concurrency
//
// Signer is safe for concurrent use; Message values are not shared.
package wire
