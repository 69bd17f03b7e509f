package devnet

import (
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// AppDomain is the suffix of the names [Network.PublishApp] serves apps at.
// The PDS refuses OAuth clients on .test (a "local" name to it), so apps
// get a name under .internal, which it accepts and which no public DNS
// ever answers; two labels deep, since Node's TLS refuses a certificate
// for *.internal (a wildcard for a whole top-level domain).
const AppDomain = ".apps.internal"

// proxyCertificate makes the TLS proxy's throw-away certificate (for
// *.test and *.apps.internal) and writes it to dir as a PEM file, and returns
// the environment that makes the PDS trust it (NODE_EXTRA_CA_CERTS) and
// resolve those names to loopback (ATNET_LOOPBACK_SUFFIXES, read by
// start.mjs), so that the PDS fetches a published app's client metadata
// and keys over https through the proxy.
func proxyCertificate(dir string) (tls.Certificate, []string, error) {
	cert, leaf, err := selfSignedCert("*"+Domain, "*"+AppDomain)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	path := filepath.Join(dir, "testnet-ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}), 0o644); err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("write certificate: %w", err)
	}
	return cert, []string{"NODE_EXTRA_CA_CERTS=" + path, "ATNET_LOOPBACK_SUFFIXES=" + Domain + "," + AppDomain}, nil
}

// PublishApp serves the app listening on backend (host:port, plain HTTP)
// at https://<name>.apps.internal:<port> through the network's TLS proxy and
// returns that URL: the PDS reaches it there (it fetches a confidential
// client's metadata and keys from it), and so does [Network.Browser].
func (n *Network) PublishApp(name, backend string) (string, error) {
	host := name + AppDomain
	u, err := url.Parse("http://" + backend)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("app backend %q: not host:port", backend)
	}
	n.proxy.apps.Store(host, u)
	_, port, _ := net.SplitHostPort(n.ProxyAddr)
	return "https://" + host + ":" + port, nil
}

// appResolverRules are Chromium host-resolver rules sending the published
// apps' names to loopback (the port stays the proxy's, in their URL).
func (n *Network) appResolverRules() string {
	var b strings.Builder
	n.proxy.apps.Range(func(host, _ any) bool {
		fmt.Fprintf(&b, ", MAP %s 127.0.0.1", host)
		return true
	})
	return b.String()
}
