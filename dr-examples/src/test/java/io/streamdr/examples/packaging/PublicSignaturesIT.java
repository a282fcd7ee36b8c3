package io.streamdr.examples.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The library modules' (and the CLI's) public API speaks StreamDR's, Kafka's and the JDK's types: no okhttp, okio or Jackson type
 * appears in a public or protected signature outside an {@code internal} package, so those libraries can change
 * (or be shaded) without breaking a user's code. Runs on the jars the build put on this module's classpath.
 */
class PublicSignaturesIT {
  private static final List<String> FORBIDDEN = List.of("okhttp3.", "okio.", "com.fasterxml.jackson.");

  @Test
  void no_http_or_json_library_type_in_a_public_signature_of_the_library_modules() throws Exception {
    List<String> found = new ArrayList<>();
    int checked = 0;
    for (Class<?> anchor : List.of(io.streamdr.core.DrException.class, io.streamdr.kafka.backup.TopicBackup.class,
        io.streamdr.flink.FlinkRestSavepointClient.class, io.streamdr.connect.ConnectRestAdmin.class,
        io.streamdr.aws.S3BackupTarget.class, io.streamdr.cli.StreamDr.class)) {
      Path jar = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
      assertThat(jar.toString()).as("%s comes from a built jar", anchor.getSimpleName()).endsWith(".jar");
      try (JarFile j = new JarFile(jar.toFile())) {
        for (String name : Collections.list(j.entries()).stream().map(e -> e.getName())
            .filter(n -> n.endsWith(".class") && !n.contains("/internal/") && !n.endsWith("-info.class")).toList()) {
          Class<?> type = Class.forName(name.replace('/', '.').replaceAll("\\.class$", ""), false, anchor.getClassLoader());
          if (visible(type)) {
            checked++;
            found.addAll(violations(type));
          }
        }
      }
    }
    assertThat(checked).as("public classes checked").isGreaterThan(100);
    assertThat(found).as("public signatures naming okhttp, okio or Jackson types").isEmpty();
  }

  private static boolean visible(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getEnclosingClass()) {
      if (!Modifier.isPublic(c.getModifiers()) || c.isAnonymousClass() || c.isLocalClass()) {
        return false;
      }
    }
    return true;
  }

  private static List<String> violations(Class<?> type) {
    List<String> found = new ArrayList<>();
    check(type.getName() + " extends", type.getGenericSuperclass(), found);
    for (Type i : type.getGenericInterfaces()) {
      check(type.getName() + " implements", i, found);
    }
    for (Constructor<?> c : type.getDeclaredConstructors()) {
      if (exposed(c)) {
        for (Type p : c.getGenericParameterTypes()) {
          check(type.getName() + "(…)", p, found);
        }
      }
    }
    for (Method m : type.getDeclaredMethods()) {
      if (exposed(m) && !m.isSynthetic() && !m.isBridge()) {
        check(type.getName() + "." + m.getName() + " returns", m.getGenericReturnType(), found);
        for (Type p : m.getGenericParameterTypes()) {
          check(type.getName() + "." + m.getName() + "(…)", p, found);
        }
      }
    }
    for (Field f : type.getDeclaredFields()) {
      if (exposed(f) && !f.isSynthetic()) {
        check(type.getName() + "." + f.getName(), f.getGenericType(), found);
      }
    }
    return found;
  }

  private static boolean exposed(Member member) {
    int modifiers = member.getModifiers();
    boolean overridable = !Modifier.isFinal(member.getDeclaringClass().getModifiers());
    return Modifier.isPublic(modifiers) || (Modifier.isProtected(modifiers) && overridable);
  }

  private static void check(String where, Type type, List<String> found) {
    if (type == null) {
      return;
    }
    if (type instanceof Class<?> c) {
      Class<?> element = c;
      while (element.isArray()) {
        element = element.getComponentType();
      }
      String name = element.getName();
      if (FORBIDDEN.stream().anyMatch(name::startsWith)) {
        found.add(where + " " + name);
      }
    } else if (type instanceof ParameterizedType p) {
      check(where, p.getRawType(), found);
      for (Type a : p.getActualTypeArguments()) {
        check(where, a, found);
      }
    } else if (type instanceof WildcardType w) {
      for (Type b : w.getUpperBounds()) {
        check(where, b, found);
      }
      for (Type b : w.getLowerBounds()) {
        check(where, b, found);
      }
    } else if (type instanceof GenericArrayType g) {
      check(where, g.getGenericComponentType(), found);
    } else if (type instanceof TypeVariable<?> v) {
      for (Type b : v.getBounds()) { // the raw bound only: a bound may name the variable itself
        check(where, b instanceof ParameterizedType p ? p.getRawType() : b, found);
      }
    }
  }
}
