@NullMarked
package dev.gatehouse.routing;

import org.jspecify.annotations.NullMarked;
