@NullMarked
package dev.gatehouse.runtime;

import org.jspecify.annotations.NullMarked;
