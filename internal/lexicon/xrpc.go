package lexicon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxResponseBytes bounds what an XRPC response may make us read: records
// and schemas are small (the data model caps records at 1 MiB of CBOR).
const maxResponseBytes = 4 << 20

// XRPCError is an error response from an XRPC endpoint.
type XRPCError struct {
	Method  string
	Status  int
	Name    string // the "error" field, e.g. RecordNotFound
	Message string
}

// Error returns "<method>: HTTP <status> <name>: <message>".
func (e *XRPCError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.Method, e.Status)
	if e.Name != "" {
		s += " " + e.Name
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// xrpc calls an XRPC method on host (a base URL such as the PDS endpoint):
// a query (GET with params) when in is nil, a procedure (POST of in as JSON)
// otherwise. out, if not nil, receives the JSON response.
func xrpc(ctx context.Context, client *http.Client, host, method, token string, params url.Values, in, out any) error {
	u := strings.TrimSuffix(host, "/") + "/xrpc/" + method
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	httpMethod := http.MethodGet
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s: encoding the request: %w", method, err)
		}
		httpMethod = http.MethodPost
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, httpMethod, u, body)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("%s: reading the response: %w", method, err)
	}
	if len(b) > maxResponseBytes {
		return fmt.Errorf("%s: response larger than %d bytes", method, maxResponseBytes)
	}
	if resp.StatusCode != http.StatusOK {
		xe := &XRPCError{Method: method, Status: resp.StatusCode}
		var eb struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		if json.Unmarshal(b, &eb) == nil {
			xe.Name, xe.Message = eb.Error, eb.Message
		}
		return xe
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s: decoding the response: %w", method, err)
		}
	}
	return nil
}
