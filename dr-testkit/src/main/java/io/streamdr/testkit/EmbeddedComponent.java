package io.streamdr.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A piece of embedded infrastructure: started with {@link #start()}, stopped and cleaned up by {@link #close()}.
 * Each is also a JUnit 5 extension: register it in a static field and it starts before the class's tests and
 * closes after them.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().brokers(1).build();
 * }</pre>
 */
public abstract class EmbeddedComponent implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  private boolean started;
  private boolean closed;

  /** Starts the component; idempotent. Returns this. */
  public final synchronized EmbeddedComponent start() {
    if (closed) {
      throw new IllegalStateException(name() + " was closed; build a new one");
    }
    if (!started) {
      try {
        doStart();
      } catch (RuntimeException e) {
        closeQuietly();
        throw e;
      } catch (Exception e) {
        closeQuietly();
        throw new IllegalStateException("Could not start " + name() + ": " + e.getMessage(), e);
      }
      started = true;
    }
    return this;
  }

  public final synchronized boolean isStarted() {
    return started && !closed;
  }

  protected final void requireStarted() {
    if (!isStarted()) {
      throw new IllegalStateException(name() + " is not started; call start() first");
    }
  }

  /** Stops everything and removes every temporary directory. Idempotent. */
  @Override
  public final synchronized void close() {
    if (!closed) {
      closed = true;
      closeQuietly();
    }
  }

  private void closeQuietly() {
    try {
      doClose();
    } catch (Exception e) {
      org.slf4j.LoggerFactory.getLogger(getClass()).warn("Closing {} failed: {}", name(), e.toString());
    }
  }

  protected abstract String name();

  protected abstract void doStart() throws Exception;

  protected abstract void doClose() throws Exception;

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }
}
