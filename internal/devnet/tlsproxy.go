package devnet

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

// tlsProxy terminates TLS for pds.test, *.test and the published apps'
// names on a loopback port with a throw-away self-signed certificate and
// forwards to the PDS, or to a published app by its host name, Host kept.
// It is what a browser talks to when it is told pds.test is 127.0.0.1, and
// what the PDS reaches a published app through (see app.go).
type tlsProxy struct {
	srv  *http.Server
	addr string
	cert *x509.Certificate
	apps sync.Map // host name → *url.URL of a published app
}

// startTLSProxy listens on 127.0.0.1 (a free port) and serves until close.
func startTLSProxy(pds *url.URL, cert tls.Certificate) (*tlsProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tls proxy listen: %w", err)
	}
	p := &tlsProxy{addr: ln.Addr().String(), cert: cert.Leaf}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			target := pds
			if app, ok := p.apps.Load(hostOnly(r.In.Host)); ok {
				target = app.(*url.URL)
			}
			r.SetURL(target)
			r.Out.Host = r.In.Host // the PDS answers for the name the browser asked for
			r.SetXForwarded()
			r.Out.Header.Set("X-Forwarded-Proto", "https")
		},
	}
	srv := &http.Server{
		Handler:           rp,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	}
	p.srv = srv
	go srv.ServeTLS(ln, "", "") //nolint:errcheck // ends with ErrServerClosed on close
	return p, nil
}

// hostOnly is host without its port.
func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

func (p *tlsProxy) close() { p.srv.Close() }

// selfSignedCert makes a P-256 certificate valid for names, for one day.
func selfSignedCert(names ...string) (tls.Certificate, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: names[0], Organization: []string{"statusphere devnet (throw-away)"}},
		DNSNames:              names,
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("parse certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf, nil
}
