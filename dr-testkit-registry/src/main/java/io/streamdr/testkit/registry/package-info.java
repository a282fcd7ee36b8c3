/**
 * What the embedded Schema Registry adds to Apicurio Registry to build it outside Apicurio's own build. Test
 * infrastructure only; nothing here is on the StreamDR classpath.
 */
package io.streamdr.testkit.registry;
