@NullMarked
package dev.gatehouse.plugins.cors;

import org.jspecify.annotations.NullMarked;
