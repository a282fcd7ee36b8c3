/**
 * In-memory fakes of the library's interfaces for application tests. Each passes the same contract suite in
 * {@code dr-testing} as the real adapter it stands in for, so a test that passes on a fake means the same on the real
 * component; faults can be injected where the real component can fail.
 */
package io.streamdr.core.fake;
