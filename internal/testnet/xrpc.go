package testnet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// XRPCError is a non-2xx answer from the PDS.
type XRPCError struct {
	Status  int
	Name    string `json:"error"`
	Message string `json:"message"`
}

func (e *XRPCError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Name, e.Message)
}

// xrpc calls method on the PDS directly: a POST with a JSON body when in is
// not nil, else a GET with query. out, when not nil, receives the JSON answer.
func (n *Network) xrpc(ctx context.Context, token, method string, query url.Values, in, out any) error {
	u := n.PDSURL + "/xrpc/" + method
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	verb, body := http.MethodGet, io.Reader(nil)
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s: encode: %w", method, err)
		}
		verb, body = http.MethodPost, bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, verb, u, body)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := n.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s: read: %w", method, err)
	}
	if resp.StatusCode/100 != 2 {
		xe := &XRPCError{Status: resp.StatusCode}
		json.Unmarshal(b, xe) //nolint:errcheck // a non-JSON error body keeps just the status
		return fmt.Errorf("%s: %w", method, xe)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s: decode: %w", method, err)
		}
	}
	return nil
}
