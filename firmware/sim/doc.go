// Package sim holds simulated devices that speak the real protocol over the
// real device link: a kiosk whose printer writes each ticket as a text file
// into a folder, and a counter terminal. The demo and the integration tests
// drive them the way citizens and staff drive the real ones.
package sim
