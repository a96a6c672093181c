@NullMarked
package dev.gatehouse.observe;

import org.jspecify.annotations.NullMarked;
