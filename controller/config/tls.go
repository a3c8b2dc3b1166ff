package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
)

// BrokerTLS is the TLS of a connection to the MQTT broker at url: nil for
// tcp://, the system's roots for ssl:// or tls://, the certificate
// authority in the PEM file caFile when one is given.
func BrokerTLS(url, caFile string) (*tls.Config, error) {
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("config.BrokerTLS: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("config.BrokerTLS: %s holds no PEM certificate", caFile)
		}
		return &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}, nil
	}
	if strings.HasPrefix(url, "ssl://") || strings.HasPrefix(url, "tls://") || strings.HasPrefix(url, "mqtts://") {
		return &tls.Config{MinVersion: tls.VersionTLS12}, nil
	}
	return nil, nil
}

// BrokerPassword reads a password on a broker from file, the whole file
// without the spaces and newlines around it; "" for no file.
func BrokerPassword(file string) (string, error) {
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
