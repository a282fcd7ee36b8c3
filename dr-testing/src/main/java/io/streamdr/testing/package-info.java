/**
 * Contract test suites that every implementation of a StreamDR interface passes (the fakes and the real adapters
 * alike), and small test helpers such as a clock a test moves by hand.
 */
package io.streamdr.testing;
