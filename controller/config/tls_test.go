package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBrokerTLS(t *testing.T) {
	if c, err := BrokerTLS("tcp://127.0.0.1:1883", ""); c != nil || err != nil {
		t.Errorf("tcp: %v %v", c, err)
	}
	if c, err := BrokerTLS("ssl://city.example.vn:8883", ""); c == nil || c.RootCAs != nil || err != nil {
		t.Errorf("ssl: %v %v", c, err)
	}
	bad := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	if _, err := BrokerTLS("ssl://x:8883", bad); err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") {
		t.Errorf("a file without a certificate: %v", err)
	}
	if _, err := BrokerTLS("ssl://x:8883", filepath.Join(t.TempDir(), "missing.pem")); err == nil {
		t.Error("a missing file gave no error")
	}
}
