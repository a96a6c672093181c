@NullMarked
package dev.gatehouse.plugins.correlation;

import org.jspecify.annotations.NullMarked;
