package testnet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
)

// SignIn walks the PDS's real OAuth sign-in and consent for acct without a
// browser, through the same JSON API its pages call: GET the authorize URL,
// POST …/~api/sign-in, POST …/~api/consent, then follow the redirect. It
// returns the redirect to the client's callback (with code, state, iss),
// which the caller hands to its callback handler. A browser test walks the
// real pages instead; this helper is for fast tests of everything after login.
func (n *Network) SignIn(ctx context.Context, authorizeURL string, acct *Account) (*url.URL, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("sign-in: %w", err)
	}
	c := &http.Client{
		Transport:     n.HTTPClient.Transport,
		Jar:           jar,
		Timeout:       n.HTTPClient.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	origin := n.PublicURL()

	// 1. The authorize page sets the csrf-token cookie.
	if _, err := browserish(ctx, c, http.MethodGet, authorizeURL, nil, map[string]string{
		"sec-fetch-mode": "navigate", "sec-fetch-dest": "document", "sec-fetch-site": "none",
	}, http.StatusOK); err != nil {
		return nil, fmt.Errorf("sign-in: authorize page: %w", err)
	}
	au, _ := url.Parse(authorizeURL)
	csrf := ""
	for _, ck := range jar.Cookies(au) {
		if ck.Name == "csrf-token" {
			csrf = ck.Value
		}
	}
	if csrf == "" {
		return nil, fmt.Errorf("sign-in: the authorize page set no csrf-token cookie")
	}
	api := map[string]string{
		"x-csrf-token": csrf, "origin": origin, "referer": authorizeURL,
		"sec-fetch-mode": "same-origin", "sec-fetch-site": "same-origin", "sec-fetch-dest": "empty",
	}

	// 2. Sign in with the password.
	signIn := map[string]any{"locale": "en", "username": acct.Handle.String(), "password": acct.Password, "remember": false}
	body, err := browserish(ctx, c, http.MethodPost, origin+"/@atproto/oauth-provider/~api/sign-in", signIn, api, http.StatusOK)
	if err != nil {
		return nil, fmt.Errorf("sign-in: %w", err)
	}
	// Without "remember me" the sign-in holds for this request only, proven
	// by an ephemeral token, as the real page does.
	var signedIn struct {
		EphemeralToken string `json:"ephemeralToken"`
	}
	if err := json.Unmarshal(body, &signedIn); err != nil || signedIn.EphemeralToken == "" {
		return nil, fmt.Errorf("sign-in: answer without ephemeralToken: %.300s", body)
	}
	api["authorization"] = "Bearer " + signedIn.EphemeralToken

	// 3. Consent; the answer names the redirect URL.
	body, err = browserish(ctx, c, http.MethodPost, origin+"/@atproto/oauth-provider/~api/consent", map[string]any{"did": acct.DID.String()}, api, http.StatusOK)
	if err != nil {
		return nil, fmt.Errorf("sign-in: consent: %w", err)
	}
	var consent struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(body, &consent); err != nil || consent.URL == "" {
		return nil, fmt.Errorf("sign-in: consent answer without url: %s", body)
	}

	// 4. The redirect endpoint answers 303 to the client's callback.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, consent.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("sign-in: %w", err)
	}
	setHeaders(req, map[string]string{"sec-fetch-mode": "navigate", "sec-fetch-dest": "document", "sec-fetch-site": "same-origin", "referer": authorizeURL})
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sign-in: redirect: %w", err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("sign-in: redirect answered %d without Location: %w", resp.StatusCode, err)
	}
	return loc, nil
}

// browserish sends a request with the headers a browser would, and wants status.
func browserish(ctx context.Context, c *http.Client, method, u string, in any, hdr map[string]string, want int) ([]byte, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "Mozilla/5.0 (statusphere testnet)")
	req.Header.Set("Accept", "*/*")
	setHeaders(req, hdr)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: HTTP %d: %.300s", method, u, resp.StatusCode, b)
	}
	return b, nil
}

func setHeaders(req *http.Request, hdr map[string]string) {
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
}
