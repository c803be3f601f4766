package graphgrpc

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
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "graphgrpc/v1"
)

// recordingServer answers Validate and keeps the authorization metadata it was sent.
type recordingServer struct {
	pb.UnimplementedGraphEvaluatorServer
	authorization chan []string
}

func (s *recordingServer) Validate(ctx context.Context, _ *pb.ValidateRequest) (*pb.ValidateResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.authorization <- md.Get("authorization")
	return &pb.ValidateResponse{Valid: true, Order: []string{"x"}}, nil
}

// selfSigned is a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "graphgrpc test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(parsed)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestTLSAndBearerToken(t *testing.T) {
	certificate, roots := selfSigned(t)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := grpc.NewServer(grpc.Creds(credentials.NewServerTLSFromCert(&certificate)))
	recorder := &recordingServer{authorization: make(chan []string, 1)}
	pb.RegisterGraphEvaluatorServer(server, recorder)
	go server.Serve(listener)
	defer server.Stop()
	address := listener.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	client, err := Dial(address, WithTLS(roots), WithToken("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	order, err := client.Validate(ctx, NewGraph())
	if err != nil {
		t.Fatal(err)
	}
	if got := <-recorder.authorization; !reflect.DeepEqual(order, []string{"x"}) || !reflect.DeepEqual(got, []string{"Bearer s3cret"}) {
		t.Errorf("order %v and authorization %v, expected [x] and [Bearer s3cret]", order, got)
	}

	// A server certificate the roots do not trust fails the call.
	untrusting, err := Dial(address, WithTLS(x509.NewCertPool()))
	if err != nil {
		t.Fatal(err)
	}
	defer untrusting.Close()
	if _, err := untrusting.Validate(ctx, NewGraph()); status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an untrusted certificate: error %v", err)
	}

	for _, c := range []struct {
		address string
		options []DialOption
		err     string
	}{
		{address, []DialOption{WithToken("s3cret")}, "a bearer token needs TLS"},
		{"http://" + address, []DialOption{WithTLS(roots)}, "is a plain-text (http://) address but TLS was asked for"},
	} {
		if _, err := Dial(c.address, c.options...); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("Dial(%q): error %v, expected one saying %q", c.address, err, c.err)
		}
	}
}
