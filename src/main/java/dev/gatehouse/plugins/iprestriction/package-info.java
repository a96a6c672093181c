@NullMarked
package dev.gatehouse.plugins.iprestriction;

import org.jspecify.annotations.NullMarked;
