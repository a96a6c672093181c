@NullMarked
package dev.gatehouse.plugin.runtime;

import org.jspecify.annotations.NullMarked;
