package io.streamdr.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A piece of embedded infrastructure: started with {@link #start()}, stopped and cleaned up by {@link #close()}.
 * Each is also a JUnit 5 extension: register it in a static field and it starts before the class's tests and
 * closes after them — after the class that first started it, so {@code @Nested} classes share it. Call
 * {@link #sharedAcrossClasses()} to keep one instance (say, a static field of a shared holder) running for every test
 * class of the run that registers it; JUnit closes it when the run ends.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedKafkaCluster KAFKA = EmbeddedKafkaCluster.builder().brokers(1).build();
 * }</pre>
 */
public abstract class EmbeddedComponent implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  private boolean started;
  private boolean closed;
  private boolean shared;
  /** The unique id of the test container whose {@code beforeAll} started this component; it closes it. */
  private String owner;

  /**
   * Keeps this component running across every test class that registers it, until the test run ends, instead of
   * closing it after the first class. Returns this.
   */
  public final synchronized EmbeddedComponent sharedAcrossClasses() {
    this.shared = true;
    return this;
  }

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
  public synchronized void beforeAll(ExtensionContext context) {
    if (isStarted()) {
      return; // an enclosing class (or, shared, an earlier class) started it
    }
    start();
    if (shared) {
      context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(this,
          k -> (ExtensionContext.Store.CloseableResource) this::close);
    } else {
      owner = context.getUniqueId();
    }
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    if (!shared && context.getUniqueId().equals(owner)) {
      close();
    }
  }
}
