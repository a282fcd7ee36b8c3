package io.streamdr.testkit.registry;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import java.util.List;
import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.inject.Produces;

/**
 * The bean Apicurio's config-index extension would produce at build time: the list of properties that can be changed
 * while the registry runs. The embedded registry changes none.
 */
@ApplicationScoped
public class EmbeddedRegistryBeans {
  @Produces
  @ApplicationScoped
  DynamicConfigPropertyList dynamicConfigProperties() {
    return new DynamicConfigPropertyList(List.of());
  }
}
