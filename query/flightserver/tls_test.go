package flightserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/flight/flightsql"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// selfSigned makes a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "recq test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// With a certificate the server speaks TLS only, and peers' locations
// say grpc+tls.
func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	ts := startServer(t, Config{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, Token: "tok", Peers: []string{"127.0.0.1:1"}, Endpoints: 2})
	cl, err := flightsql.NewClient(ts.addr, nil, nil, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool})))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := withToken(context.Background(), "tok")
	info, err := cl.Execute(ctx, "SELECT count(*) FROM lineitem")
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(ctx, t, cl, info); len(got) != 1 || got[0][0] != "2000" {
		t.Errorf("got %v", got)
	}
	info, err = cl.Execute(ctx, "SELECT l_orderkey FROM lineitem_txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Endpoint) != 2 || len(info.Endpoint[1].Location) != 1 || info.Endpoint[1].Location[0].Uri != "grpc+tls://127.0.0.1:1" {
		t.Errorf("endpoints %v", info.Endpoint)
	}
	// a plaintext client gets nowhere
	plain := dial(t, ts.addr)
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := plain.Execute(cctx, "SELECT 1"); err == nil {
		t.Error("a plaintext client was answered")
	}
}
