package oauth

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// StartSignup begins creating an account on the PDS pds (a host name such
// as bsky.social, or its https URL): a login whose authorization request
// carries prompt=create, so the authorization server shows its sign-up
// page. Like [Client.StartLogin] it returns the URL to send the browser to,
// or a [*LoginError] naming what failed.
func (c *Client) StartSignup(ctx context.Context, pds string) (string, error) {
	pds = strings.TrimSuffix(strings.TrimSpace(pds), "/")
	if pds == "" {
		return "", &LoginError{Msg: "Enter the address of the PDS to create your account on (like bsky.social)."}
	}
	if !strings.Contains(pds, "://") {
		pds = "https://" + pds
	}
	u, err := url.Parse(pds)
	if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return "", &LoginError{Msg: fmt.Sprintf("%q is not a PDS address (like bsky.social or https://pds.example).", pds), Err: err}
	}
	as, err := c.authServerOf(ctx, "https://"+u.Host)
	if err != nil {
		return "", err
	}
	return c.startFlow(context.WithValue(ctx, promptKey{}, "create"), as, "", "")
}

// promptKey carries the OAuth prompt of a pushed authorization request in
// its context (indigo's ClientApp.SendAuthRequest has no parameter for it).
type promptKey struct{}

// withPrompt returns a client that adds the prompt its request's context
// carries to a form-encoded POST: the pushed authorization request, the
// only POST sent with that context.
func withPrompt(c *http.Client) *http.Client {
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	out := *c
	out.Transport = &promptTransport{next: next}
	return &out
}

// promptTransport is [withPrompt]'s transport.
type promptTransport struct{ next http.RoundTripper }

// RoundTrip implements [http.RoundTripper].
func (t *promptTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	prompt, _ := r.Context().Value(promptKey{}).(string)
	if prompt == "" || r.Method != http.MethodPost || r.Body == nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		return t.next.RoundTrip(r)
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the authorization request: %w", err)
	}
	form, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, fmt.Errorf("parse the authorization request: %w", err)
	}
	form.Set("prompt", prompt)
	body := []byte(form.Encode())
	out := r.Clone(r.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	out.ContentLength = int64(len(body))
	return t.next.RoundTrip(out)
}
