@NullMarked
package dev.gatehouse.plugins.termination;

import org.jspecify.annotations.NullMarked;
