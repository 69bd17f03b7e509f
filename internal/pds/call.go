package pds

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"

	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/syntax"
)

// Byte caps on answers: everything a PDS or relay sends is untrusted, and
// nothing is read past its cap.
const (
	// MaxJSONBytes bounds a JSON answer (records, pages, sessions).
	MaxJSONBytes = 4 << 20
	// maxErrorBytes bounds the body of an error answer.
	maxErrorBytes = 16 << 10
)

// ErrTooLarge means an answer was longer than the cap of its call.
var ErrTooLarge = errors.New("answer larger than allowed")

// call sends req through api and returns the response of a 2xx answer;
// any other answer is an *atclient.APIError (the one XRPC error type of
// this package). The caller closes the body.
func call(ctx context.Context, api *atclient.APIClient, req *atclient.APIRequest) (*http.Response, error) {
	resp, err := api.Do(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", req.Endpoint, api.Host, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	ae := &atclient.APIError{StatusCode: resp.StatusCode}
	var eb atclient.ErrorBody
	if b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes)); json.Unmarshal(b, &eb) == nil {
		ae.Name, ae.Message = eb.Name, eb.Message
	}
	return nil, fmt.Errorf("%s on %s: %w", req.Endpoint, api.Host, ae)
}

// query GETs an XRPC query with params and decodes its JSON answer, read up
// to limit bytes, into out.
func query(ctx context.Context, api *atclient.APIClient, method syntax.NSID, params url.Values, limit int64, out any) error {
	req := atclient.NewAPIRequest(http.MethodGet, method, nil)
	req.Headers.Set("Accept", "application/json")
	req.QueryParams = params
	resp, err := call(ctx, api, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeJSON(method, resp.Body, limit, out)
}

// Procedure POSTs in as JSON (nil: no body) to the XRPC procedure method
// through api and decodes the JSON answer, read up to MaxJSONBytes, into
// out (nil: the answer is read and dropped). An answer other than 2xx is an
// *atclient.APIError.
func Procedure(ctx context.Context, api *atclient.APIClient, method syntax.NSID, in, out any) error {
	req := atclient.NewAPIRequest(http.MethodPost, method, nil)
	req.Headers.Set("Accept", "application/json")
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s: encoding the request: %w", method, err)
		}
		// A *bytes.Reader gives the request its length and a GetBody for
		// the retry after a token refresh.
		req.Body = bytes.NewReader(b)
		req.Headers.Set("Content-Type", "application/json")
	}
	resp, err := call(ctx, api, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeJSON(method, resp.Body, MaxJSONBytes, out)
}

// decodeJSON reads at most limit bytes of body into out.
func decodeJSON(method syntax.NSID, body io.Reader, limit int64, out any) error {
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %w", method, err)
	}
	if int64(len(b)) > limit {
		return fmt.Errorf("%s: %w (%d bytes)", method, ErrTooLarge, limit)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: decoding the answer: %w", method, err)
	}
	return nil
}

// CapBody returns body that fails a read past limit bytes with an error
// matching ErrTooLarge that names what was read ("GET host/path"); the
// caller closes it. A body of exactly limit bytes reads whole.
func CapBody(body io.ReadCloser, limit int64, what string) io.ReadCloser {
	return &cappedBody{body: body, left: limit, limit: limit, what: what}
}

// TooLarge is the error of an answer to what that is over limit bytes.
func TooLarge(what string, limit int64) error {
	return fmt.Errorf("%w: the answer to %s is over %d bytes", ErrTooLarge, what, limit)
}

// cappedBody is [CapBody]'s reader.
type cappedBody struct {
	body        io.ReadCloser
	left, limit int64
	what        string
}

func (c *cappedBody) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// One byte more tells a body of exactly limit bytes from a longer one.
		var one [1]byte
		n, err := c.body.Read(one[:])
		if n > 0 {
			return 0, TooLarge(c.what, c.limit)
		}
		if err == nil {
			return 0, nil
		}
		// io.EOF, or why the body could not be read (a cap of the
		// transport below, a cut connection): never a silent end.
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.body.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *cappedBody) Close() error { return c.body.Close() }

// ErrorName returns the XRPC error name and HTTP status of err, if it
// wraps an answer other than 2xx.
func ErrorName(err error) (name string, status int) {
	var ae *atclient.APIError
	if errors.As(err, &ae) {
		return ae.Name, ae.StatusCode
	}
	return "", 0
}

// Unreachable reports whether err means the host gave no usable answer at
// all: a DNS failure, a refused or unroutable connection, a TLS failure or
// a timeout — not an XRPC error answer.
func Unreachable(err error) bool {
	if name, status := ErrorName(err); name != "" || status != 0 {
		return false
	}
	var (
		op     *net.OpError
		dns    *net.DNSError
		ne     net.Error
		cert   *tls.CertificateVerificationError
		header tls.RecordHeaderError
	)
	return errors.As(err, &op) || errors.As(err, &dns) || (errors.As(err, &ne) && ne.Timeout()) ||
		errors.Is(err, context.DeadlineExceeded) || errors.As(err, &cert) || errors.As(err, &header)
}
