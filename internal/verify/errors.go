package verify

import "errors"

var (
	// ErrFailed marks bytes that failed verification: a final verdict, the
	// commit or repository is dropped.
	ErrFailed = errors.New("verification failed")
	// ErrUnavailable marks a check that could not be done now (a DID
	// document could not be fetched, a repository could not be read):
	// worth retrying.
	ErrUnavailable = errors.New("unavailable")
)
