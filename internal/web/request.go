package web

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"unicode/utf8"
)

// inputError is a request the client got wrong or did not finish sending:
// a 4xx answer with a message of ours, never a server error.
type inputError struct {
	status int
	msg    string // shown to the user
	err    error
}

func (e *inputError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *inputError) Unwrap() error { return e.err }

// errInvalidUTF8 is a form or body that is not valid UTF-8.
var errInvalidUTF8 = &inputError{status: http.StatusBadRequest, msg: "The request is not valid UTF-8."}

// readError classifies a failure to read the request body.
func readError(err error) *inputError {
	var ie *inputError
	var tooBig *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &ie):
		return ie
	case errors.As(err, &tooBig):
		return &inputError{status: http.StatusRequestEntityTooLarge, msg: "The request is too large.", err: err}
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &inputError{status: http.StatusRequestTimeout, msg: "The request took too long to arrive.", err: err}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &inputError{status: http.StatusBadRequest, msg: "The request was cut off.", err: err}
	}
	return &inputError{status: http.StatusBadRequest, msg: "Could not read the request.", err: err}
}

// readForm parses the query and a form body, refusing invalid UTF-8 in any
// name or value before anything looks at them.
func readForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return readError(err)
	}
	return checkUTF8(r.Form)
}

// checkUTF8 refuses a form with a name or value that is not valid UTF-8.
func checkUTF8(form map[string][]string) error {
	for k, vs := range form {
		if !utf8.ValidString(k) {
			return errInvalidUTF8
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return errInvalidUTF8
			}
		}
	}
	return nil
}

// readBody reads the whole (size-limited) body and refuses invalid UTF-8.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, readError(err)
	}
	if !utf8.Valid(b) {
		return nil, errInvalidUTF8
	}
	return b, nil
}

// inputFailed answers a bad or unfinished request: the page (or JSON) with
// our message when the client is still there, a bare status otherwise.
// It logs at Info: a client's mistake is not a server error.
func (s *Server) inputFailed(w http.ResponseWriter, r *http.Request, err error) {
	ie := readError(err)
	s.Log.Info("bad request", "method", r.Method, "path", r.URL.Path, "status", ie.status, "error", err)
	switch {
	case wantsJSON(r):
		jsonError(w, ie.status, ie.msg)
	case r.Context().Err() != nil || ie.status != http.StatusBadRequest:
		http.Error(w, ie.msg, ie.status)
	default:
		s.renderHome(w, r, ie.status, homePage{Error: ie.msg})
	}
}
